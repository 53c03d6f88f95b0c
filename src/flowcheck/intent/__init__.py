"""verify_intent: does the uncommitted change set do what its GitHub issue asks?

Two judges share one pipeline (`service.verify_intent`): a TF-IDF heuristic that works offline,
and an LLM judge (OpenAI Chat Completions or Anthropic Messages, spoken directly over HTTP)
that the operator enables through settings only. Anything that cannot be established is the
verdict "unknown", which is never aligned.
"""
