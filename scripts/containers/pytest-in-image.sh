#!/bin/sh
# pytest for the dev image. The image's working dir is the data volume, which holds no tests:
# outside a project directory, run the test suite bundled in the image instead.
if [ ! -f pyproject.toml ] && [ ! -f pytest.ini ]; then
    cd /opt/flowcheck-source || exit 1
fi
exec /opt/flowcheck/bin/python -m pytest "$@"
