"""The webhook's create-API-key path as a Python + boto3 Lambda handler, for the cold-start bench.

Sensedia's reference example is Python + boto3; this module has the same shape as our TypeScript
Lambda so that the two cold starts can be compared: the boto3 clients are created once at module
top level, and `handler(event, context)` answers POST /v1/createCredentials with the same AWS calls
in the same order, with equivalent inputs:

1. Secrets Manager GetSecretValue: the Basic-auth secret (JSON {"username", "password",
   "previousPassword"?}), cached in the module for later invocations.
2. DynamoDB PutItem: the idempotency claim, conditional (free, expired, lease over, or released).
3. DynamoDB PutItem: the ledger intent `intent#<ledgerId>`, conditional on attribute_not_exists(pk).
4. API Gateway CreateApiKey: a value generated here, the name, description and the four tags.
5. API Gateway CreateUsagePlanKey: one per usage plan (in parallel when there are several).
6. DynamoDB TransactWriteItems: delete the intent, put `credential#API_KEY#<id>`, complete the claim.

It checks what the TypeScript handler checks on that path: the route, the Basic credentials
(SHA-256 digests compared in constant time), a JSON object body of the create schema's shape, the
usage plans against ALLOWED_USAGE_PLAN_IDS, and at most 10 plans per key.

Left out (this is a comparison of the happy path, not a second implementation):
- every operation but create (health, update, revoke) and client credentials (Cognito): a request
  naming an API configured for CLIENT_CREDENTIALS is refused with 422;
- repeats of a create: a claim already taken gives 409, it is never recovered or reconciled;
- cleanup after a failure (abandoning the intent, deleting the key, releasing the claim): any AWS
  error is a 502 and leaves its resources to the reconciler;
- the request deadline, the secret's cache TTL and refresh on mismatch, and the exact messages of
  validation errors;
- the printable-text rule is checked for control characters only, and tag values are cleaned with
  str.isalnum where ours uses Unicode letter/number classes.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import time
import unicodedata
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# As lambda/adapters/aws/clients.ts: adaptive retries, 3 attempts, 1 s to connect, 3 s per attempt.
_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 3}, connect_timeout=1, read_timeout=3)
secretsmanager = boto3.client("secretsmanager", config=_CONFIG)
dynamodb = boto3.client("dynamodb", config=_CONFIG)
apigateway = boto3.client("apigateway", config=_CONFIG)

SECRET_ARN = os.environ["WEBHOOK_SECRET_ARN"]
TABLE = os.environ.get("LEDGER_TABLE") or os.environ["IDEMPOTENCY_TABLE"]
_allowed = os.environ.get("ALLOWED_USAGE_PLAN_IDS", "*")
ALLOWED_PLANS = None if _allowed.strip() in ("", "*") else {p.strip() for p in _allowed.split(",") if p.strip()}
DEFAULT_TYPE = os.environ.get("DEFAULT_CREDENTIAL_TYPE", "API_KEY")
TYPES_BY_API = json.loads(os.environ.get("API_CREDENTIAL_TYPES") or "{}")
WINDOW_SECONDS = int(os.environ.get("IDEMPOTENCY_WINDOW_SECONDS", "3600"))
LEASE_SECONDS = 30
RETENTION_DAYS = 400
MAX_PLANS_PER_KEY = 10
# The deployment's marker prefix: a hash of its ledger table, as lambda/credentials/marker.ts.
INSTANCE = hashlib.sha256(TABLE.encode()).hexdigest()[:8]

ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LEDGER_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
APP_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
AWS_ID = re.compile(r"[A-Za-z0-9]{1,64}")
CONTROL = re.compile("[\u0000-\u001f\u007f-\u009f]")
BASIC = re.compile(r"Basic +([A-Za-z0-9+/]+={0,2}) *", re.IGNORECASE)

COMMON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

_basic = None  # (username, [passwords]) once fetched: warm invocations reuse it.


class Refused(Exception):
    """An answer other than 200, with its status and code."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code


def _s(value):
    return {"S": value}


def _n(value):
    return {"N": str(value)}


def _digest(value):
    return hashlib.sha256(value.encode("utf-8")).digest()


def _sha256_b64url(value):
    return base64.urlsafe_b64encode(hashlib.sha256(value.encode("utf-8")).digest()).rstrip(b"=").decode()


def _json(value):
    """JSON as JavaScript's JSON.stringify writes it, so hashes match the TypeScript handler's."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _token(length, alphabet):
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _response(status, body, correlation_id):
    headers = {**COMMON_HEADERS, "Content-Type": "application/json; charset=utf-8", "X-Correlation-Id": correlation_id}
    return {"statusCode": status, "headers": headers, "body": _json(body)}


def _header(event, name):
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return value
    return None


def _expected_credentials():
    global _basic
    if _basic is None:
        value = json.loads(secretsmanager.get_secret_value(SecretId=SECRET_ARN)["SecretString"])
        username, password = value.get("username"), value.get("password")
        if not isinstance(username, str) or not username or not isinstance(password, str) or not password:
            raise RuntimeError(f"Secret {SECRET_ARN} must be JSON with non-empty username and password")
        previous = value.get("previousPassword")
        _basic = (username, [password, previous] if previous else [password])
    return _basic


def _authenticate(authorization):
    match = BASIC.fullmatch(authorization.strip()) if authorization and len(authorization) <= 4096 else None
    decoded = base64.b64decode(match.group(1)).decode("utf-8", "replace") if match else ""
    if ":" not in decoded:
        raise Refused(401, "UNAUTHORIZED", "Valid Basic credentials are required.")
    username, password = decoded.split(":", 1)
    expected_user, passwords = _expected_credentials()
    user, given = _digest(username), _digest(password)
    # Every candidate is compared (no short circuit), so the time taken tells nothing.
    user_ok = hmac.compare_digest(user, _digest(expected_user))
    password_ok = False
    for candidate in passwords:
        password_ok = hmac.compare_digest(given, _digest(candidate)) or password_ok
    if not (user_ok and password_ok):
        raise Refused(401, "UNAUTHORIZED", "Valid Basic credentials are required.")


def _text(body, name, maximum):
    value = body.get(name)
    if not isinstance(value, str) or not 1 <= len(value) <= maximum or CONTROL.search(value):
        raise Refused(400, "VALIDATION_ERROR", f"{name}: must be printable text of 1 to {maximum} characters")
    return value


def _validate(body):
    """The create schema's shape (lambda/schemas.ts): name, slug, developer, 1 to 50 APIs with plan ids."""
    app_name = _text(body, "appName", 256)
    developer = _text(body, "developer", 320)
    slug = body.get("appSlug")
    if slug is not None and (not isinstance(slug, str) or not APP_SLUG.fullmatch(slug)):
        raise Refused(400, "VALIDATION_ERROR", "appSlug: must be a slug")
    apis = body.get("apis")
    if not isinstance(apis, list) or not 1 <= len(apis) <= 50:
        raise Refused(400, "VALIDATION_ERROR", "apis: 1 to 50 APIs are required")
    for api in apis:
        plans = api.get("usagePlans", []) if isinstance(api, dict) else None
        if (
            not isinstance(api, dict)
            or not isinstance(api.get("id"), str)
            or not AWS_ID.fullmatch(api["id"])
            or not isinstance(plans, list)
            or len(plans) > 50
            or not all(isinstance(p, dict) and isinstance(p.get("id"), str) and AWS_ID.fullmatch(p["id"]) for p in plans)
        ):
            raise Refused(400, "VALIDATION_ERROR", "apis: each needs an id and usagePlans of ids")
    return app_name, slug, developer, apis


def _clean(value, disallowed, maximum):
    return disallowed.sub("-", unicodedata.normalize("NFKC", value)).strip()[:maximum].strip()


def _readable(text, fallback):
    return text if any(c.isalnum() for c in text) else fallback


def _key_name(app_name, developer):
    dev = _readable(_clean(developer, re.compile(r"[^\w.@+-]+", re.ASCII), 64), "developer")
    app = _readable(_clean(app_name, re.compile(r"[^\w .@+-]+", re.ASCII), 128 - len(dev) - 3), "app")
    return f"{app} ({dev})"


def _tag_value(value):
    normalized = unicodedata.normalize("NFKC", value)
    kept = "".join(c if c.isalnum() or c in " _.:/=+@-" else "\0" for c in normalized)
    return re.sub("\0+", "-", kept).strip()[:256].strip()


def _canonical_apis(apis):
    return sorted(([api["id"], sorted({p["id"] for p in api.get("usagePlans", [])})] for api in apis), key=lambda a: a[0])


def _create(app_name, slug, developer, apis):
    kinds = {TYPES_BY_API.get(api["id"], DEFAULT_TYPE) for api in apis}
    if kinds != {"API_KEY"}:
        raise Refused(422, "UNSUPPORTED", "This comparison handler issues API keys only.")
    plan_ids = list(dict.fromkeys(p["id"] for api in apis for p in api.get("usagePlans", [])))
    if not plan_ids:
        raise Refused(422, "NO_USAGE_PLAN", "An API key needs at least one usage plan in apis[].usagePlans.")
    refused = [p for p in plan_ids if ALLOWED_PLANS is not None and p not in ALLOWED_PLANS]
    if refused:
        raise Refused(422, "USAGE_PLAN_NOT_ALLOWED", f"This webhook does not issue keys for usage plan(s) {', '.join(refused)}.")
    if len(plan_ids) > MAX_PLANS_PER_KEY:
        raise Refused(422, "TOO_MANY_USAGE_PLANS", f"An API key can be in at most {MAX_PLANS_PER_KEY} usage plans.")

    now_ms = int(time.time() * 1000)
    now = now_ms // 1000
    canonical = _canonical_apis(apis)
    claim_key = _sha256_b64url(_json(["slug", slug] if slug is not None else ["app", app_name, developer, canonical]))
    fingerprint = (
        _sha256_b64url(_json([app_name, developer, slug, canonical]))
        + "."
        + _sha256_b64url(_json(["developer", developer]))
    )
    claim_id = str(uuid.uuid4())
    expires_at = now + WINDOW_SECONDS
    try:
        dynamodb.put_item(
            TableName=TABLE,
            Item={
                "pk": _s(claim_key),
                "status": _s("IN_PROGRESS"),
                "claimId": _s(claim_id),
                "fingerprint": _s(fingerprint),
                "leaseUntil": _n(now + LEASE_SECONDS),
                "expiresAt": _n(expires_at),
            },
            ConditionExpression="attribute_not_exists(pk) OR expiresAt < :now OR (#status = :inProgress AND leaseUntil < :now)"
            " OR (#status = :released AND claimId <> :claimId)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":now": _n(now),
                ":inProgress": _s("IN_PROGRESS"),
                ":released": _s("RELEASED"),
                ":claimId": _s(claim_id),
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise Refused(409, "REQUEST_IN_PROGRESS", "This app already has a create (not recovered here).") from error
        raise

    ledger_id = _token(16, LEDGER_ALPHABET)
    app = {"appName": _s(app_name), "developer": _s(developer), **({"appSlug": _s(slug)} if slug is not None else {})}
    grants = {"kind": _s("API_KEY"), "usagePlanIds": {"L": [_s(p) for p in plan_ids]}}
    intent_key = f"intent#{ledger_id}"
    dynamodb.put_item(
        TableName=TABLE,
        Item={
            "pk": _s(intent_key),
            "ledgerId": _s(ledger_id),
            "state": _s("pending"),
            **app,
            **grants,
            "createdAt": _n(now_ms),
            "updatedAt": _n(now_ms),
        },
        ConditionExpression="attribute_not_exists(pk)",
    )

    value = _token(40, ALPHANUMERIC)
    tags = {
        "sensedia:managed-by": "credential-webhook",
        "sensedia:ledger-id": f"{INSTANCE}.{ledger_id}",
        "sensedia:developer": _tag_value(developer),
        **({"sensedia:app-slug": _tag_value(slug)} if slug is not None else {}),
    }
    slug_text = "" if slug is None else " " + _clean(slug, re.compile(r"[^\w.@+-]+", re.ASCII), 128)
    created = apigateway.create_api_key(
        name=_key_name(app_name, developer),
        description=f"Issued by the Sensedia Developer Portal credential webhook for app{slug_text}",
        enabled=True,
        value=value,
        tags=tags,
    )
    key_id = created["id"]

    def bind(plan_id):
        apigateway.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")

    if len(plan_ids) == 1:
        bind(plan_ids[0])
    else:
        # Imported only when needed, as ours binds several plans in parallel (one round trip).
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(len(plan_ids), 10)) as pool:
            list(pool.map(bind, plan_ids))

    issued_ms = int(time.time() * 1000)
    dynamodb.transact_write_items(
        ClientRequestToken=f"issue-{ledger_id}",
        TransactItems=[
            {
                "Delete": {
                    "TableName": TABLE,
                    "Key": {"pk": _s(intent_key)},
                    "ConditionExpression": "#state = :pending",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": {":pending": _s("pending")},
                }
            },
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {
                        "pk": _s(f"credential#API_KEY#{key_id}"),
                        "ledgerId": _s(ledger_id),
                        "state": _s("issued"),
                        **app,
                        **grants,
                        "credentialId": _s(key_id),
                        "apiKeyHash": _s(_sha256_b64url(value)),
                        "createdAt": _n(now_ms),
                        "issuedAt": _n(issued_ms),
                        "updatedAt": _n(issued_ms),
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {
                        "pk": _s(claim_key),
                        "status": _s("COMPLETED"),
                        "fingerprint": _s(fingerprint),
                        "credentialType": _s("API_KEY"),
                        "credentialId": _s(key_id),
                        "expiresAt": _n(expires_at),
                    },
                }
            },
        ],
    )
    return key_id, value


def handler(event, context):
    started = time.time()
    request_context = event.get("requestContext") or {}
    correlation_id = request_context.get("requestId") or str(uuid.uuid4())
    fields = {}
    try:
        if event.get("httpMethod") != "POST" or event.get("path") != "/v1/createCredentials":
            raise Refused(404, "NOT_FOUND", "No such operation in this comparison handler.")
        _authenticate(_header(event, "authorization"))
        raw = event.get("body") or ""
        if event.get("isBase64Encoded"):
            raw = base64.b64decode(raw).decode("utf-8")
        try:
            body = json.loads(raw)
        except ValueError as error:
            raise Refused(400, "INVALID_JSON", "The body must be JSON.") from error
        if not isinstance(body, dict):
            raise Refused(400, "INVALID_JSON", "The body must be a JSON object.")
        app_name, slug, developer, apis = _validate(body)
        fields["appSlug"] = slug
        key_id, value = _create(app_name, slug, developer, apis)
        fields["credentialId"] = key_id
        credential = {
            "credentialType": "API_KEY",
            "apiKeyId": key_id,
            "apiKey": value,
            "customCredentials": {"apiKeyHeader": "x-api-key"},
        }
        response = _response(200, credential, correlation_id)
    except Refused as error:
        response = _response(error.status, {"message": str(error), "code": error.code, "details": []}, correlation_id)
    except (ClientError, BotoCoreError) as error:
        response = _response(502, {"message": "An AWS service failed.", "code": "UPSTREAM_ERROR", "details": []}, correlation_id)
        fields["error"] = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
    # One request line and one EMF metric on stdout, as the TypeScript handler writes (Powertools).
    print(_json({
        "level": "INFO",
        "message": "request",
        "correlationId": correlation_id,
        "operation": "createCredentials",
        "status": response["statusCode"],
        **fields,
        "durationMs": int((time.time() - started) * 1000),
    }))
    if response["statusCode"] == 200:
        print(_json({
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [{
                    "Namespace": os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "CredentialWebhook"),
                    "Dimensions": [["service"]],
                    "Metrics": [{"Name": "CredentialIssued", "Unit": "Count"}],
                }],
            },
            "service": os.environ.get("POWERTOOLS_SERVICE_NAME", "credential-webhook"),
            "CredentialIssued": 1,
        }))
    return response
