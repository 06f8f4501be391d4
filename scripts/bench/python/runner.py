"""One cold start in a fresh Python process: `python runner.py <handler.py> <event JSON>`.

Imports the handler module (boto3 and its clients, as Lambda's init phase would), calls
handler(event, context) once, and exits 0 when it answered 200, else 1 (stderr says why).
Writes its timings to fd 3 as JSON: {"loadedAt", "answeredAt", "statusCode"}, in ms since this
script started running. The interpreter's own start-up comes before that origin and is not
counted; the parent times spawn to exit for the whole.
"""

import time

START = time.perf_counter()  # Taken first: the origin of every timing this process reports.

import importlib.util  # noqa: E402 (after the clock, on purpose)
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402


def elapsed_ms():
    return (time.perf_counter() - START) * 1000


class Context:
    """What Lambda's Python runtime passes as `context`, with the bench's values."""

    function_name = "credential-webhook-bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:credential-webhook-bench"
    memory_limit_in_mb = "512"
    aws_request_id = "bench-cold-start"
    log_group_name = "/aws/lambda/credential-webhook-bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self):
        return 25_000


def report(result):
    try:
        os.write(3, json.dumps(result).encode())
    except OSError:
        pass  # No fd 3: run by hand, not by the bench.


def main():
    handler_path, event_json = sys.argv[1], sys.argv[2]
    # Imported by path as module "handler", as Lambda imports the file named by the function's handler.
    spec = importlib.util.spec_from_file_location("handler", handler_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["handler"] = module
    spec.loader.exec_module(module)
    loaded_at = elapsed_ms()

    try:
        response = module.handler(json.loads(event_json), Context())
    except Exception as error:  # noqa: BLE001 (any failure is reported, like the Node runner)
        report({"loadedAt": loaded_at})
        sys.stderr.write(f"handler raised: {error!r}\n")
        return 1
    status = response.get("statusCode")
    report({"loadedAt": loaded_at, "answeredAt": elapsed_ms(), "statusCode": status})
    if status != 200:
        sys.stderr.write(f"first response was {status}: {response.get('body')}\n")
        return 1
    return 0


if __name__ == "__main__":
    # os._exit as the Node runner's process.exit: no interpreter teardown (Lambda freezes instead).
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
