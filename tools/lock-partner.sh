#!/bin/sh
# Lock the venv of the public Data360 MCP server the tests run (requirements-partner.txt): what it imports,
# resolved from requirements-partner.in, then the packages installed without their declared dependencies (which
# conflict), each with the hash of its wheel. Needs pip-tools (`make lock` runs it).
set -eu
NO_DEPS="data360-mcp==0.1.2 draco==2.0.1"
pip-compile --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links --strip-extras -q \
	-o requirements-partner.txt requirements-partner.in
wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT
{
	echo
	echo "# Installed with --no-deps: what they import is locked above (see requirements-partner.in)."
	for pin in $NO_DEPS; do
		pip download --no-deps --only-binary=:all: --quiet -d "$wheels/$pin" "$pin"
		echo "$pin \\"
		echo "    $(pip hash "$wheels/$pin"/*.whl | tail -n 1)"
	done
} >> requirements-partner.txt
