"""Status objects for failed requests, shaped exactly as the real API server sends them."""

from __future__ import annotations

from kubedeck.fake.resources import ResourceType
from kubedeck.fake.store import StoreError

# The reason the real server puts on a bare status code (k8s.io/apimachinery errors.go).
REASONS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "Unauthorized"),
    403: ("Forbidden", "forbidden"),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    406: ("NotAcceptable", "the server was unable to respond with a content type that the client "
          "supports"),
    409: ("Conflict", "the server reported a conflict"),
    410: ("Expired", "the resource version is too old"),
    415: ("UnsupportedMediaType", "the server does not support the media type sent"),
    422: ("Invalid", "the server rejected our request due to an error in our request"),
    429: ("TooManyRequests", "Too many requests, please try again later."),
    500: ("InternalError", "Internal error occurred: injected fault"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: ("Timeout", "the server was unable to return a response in the time allotted, but may "
          "still be processing the request"),
}


def status_body(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    body: dict = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": message, "reason": reason}
    details = {k: v for k, v in (details or {}).items() if v not in ("", None, [], 0)}
    if details:
        body["details"] = details
    body["code"] = code
    return body


def for_code(code: int, retry_after: int | None = None) -> StoreError:
    """The error a bare status code stands for (fault injection answers these)."""
    reason, message = REASONS.get(code, ("InternalError", f"Internal error occurred: {code}"))
    details = {"retryAfterSeconds": retry_after} if retry_after else None
    return StoreError(code, reason, message, details)


def bad_request(message: str) -> StoreError:
    return StoreError(400, "BadRequest", message)


def invalid(rt: ResourceType, name: str, field: str, problem: str) -> StoreError:
    """A 422 naming the field, as field validation errors read."""
    kind = rt.kind
    return StoreError(422, "Invalid", f'{kind} "{name}" is invalid: {field}: {problem}',
                      {"name": name, "group": rt.group, "kind": kind,
                       "causes": [{"reason": "FieldValueInvalid", "message": problem,
                                   "field": field}]})


def not_allowed() -> StoreError:
    return StoreError(405, "MethodNotAllowed", REASONS[405][1])


def unsupported_media(accepted: tuple[str, ...]) -> StoreError:
    return StoreError(415, "UnsupportedMediaType",
                      "the body of the request was in an unknown format - accepted media types "
                      "include: " + ", ".join(accepted))


def forbidden(user: str, verb: str, rt: ResourceType, subresource: str | None,
              namespace: str | None, name: str | None) -> StoreError:
    """The authorizer's denial, worded as the RBAC authorizer words it."""
    resource = rt.plural + (f"/{subresource}" if subresource else "")
    qualified = rt.plural + (f".{rt.group}" if rt.group else "")
    subject = f'{qualified} "{name}"' if name else qualified
    where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    message = (f'{subject} is forbidden: User "{user}" cannot {verb} resource "{resource}" '
               f'in API group "{rt.group}" {where}')
    details: dict = {"kind": rt.plural}
    if name:
        details = {"name": name, **details}
    if rt.group:
        details["group"] = rt.group
    return StoreError(403, "Forbidden", message, details)
