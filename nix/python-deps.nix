# FlowCheck's Python dependencies from the pinned package set, grouped as in pyproject.toml:
# `runtime` is [project.dependencies], `extras` is [project.optional-dependencies].
ps: {
  runtime = [
    ps.mcp
    ps.pydantic-settings
    ps.uvicorn
    ps.pyyaml
    ps.pathspec
  ];
  extras = {
    llm = [
      ps.anthropic
      ps.openai
    ];
    otel = [
      ps.opentelemetry-sdk
      ps.opentelemetry-exporter-otlp-proto-http
    ];
    dev = [
      ps.pytest
      ps.pytest-asyncio
      ps.pytest-timeout
      ps.hypothesis
      ps.httpx
      ps.ruff
      ps.mypy
      ps.types-pyyaml
      ps.jsonschema
      ps.kubernetes-validate
    ];
  };
}
