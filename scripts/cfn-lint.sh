#!/usr/bin/env bash
# Synthesizes the CDK app offline (no AWS account, no Docker, no telemetry or notices) and runs
# cfn-lint (pinned in scripts/python-requirements.txt) on every template it produced.
#
#   bash scripts/cfn-lint.sh [output-dir]
#
# Without output-dir the cloud assembly goes to a temporary directory that is removed afterwards;
# with it, the assembly (templates and the bundled handler) is kept there for inspection.
# Extra context can be passed through CDK_SYNTH_ARGS, e.g. CDK_SYNTH_ARGS="-c createUserPool=true ...".
set -euo pipefail
cd "$(dirname "$0")/.."

cfn_lint=.venv/bin/cfn-lint
if [ ! -x "$cfn_lint" ]; then
  echo "cfn-lint: $cfn_lint not found. Install the Python test tools first: bash scripts/python-tools.sh" >&2
  exit 2
fi

if [ $# -ge 1 ]; then
  out=$1
  mkdir -p "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi

export CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true
# shellcheck disable=SC2086 # CDK_SYNTH_ARGS is a list of CLI arguments on purpose.
npx cdk synth --no-notices --quiet --output "$out" ${CDK_SYNTH_ARGS:-} >/dev/null

shopt -s nullglob
templates=("$out"/*.template.json)
if [ ${#templates[@]} -eq 0 ]; then
  echo "cfn-lint: cdk synth produced no template in $out" >&2
  exit 1
fi
"$cfn_lint" "${templates[@]}"
echo "cfn-lint: ${#templates[@]} template(s) passed"
