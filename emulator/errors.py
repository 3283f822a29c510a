"""The emulator's error: one exception that becomes the CloudBees error envelope."""

from __future__ import annotations


class ApiError(Exception):
    """A refusal in the shape ``{"error": {"where", "message", "details", "code"}}``."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def envelope(self) -> dict[str, dict[str, str]]:
        """The JSON body a CloudBees CD server sends for this error."""
        return {
            "error": {
                "where": "",
                "message": self.message,
                "details": self.details,
                "code": self.code,
            }
        }


def invalid_argument(name: str, why: str) -> ApiError:
    """A 400 naming the argument at fault, as the real server's messages do."""
    return ApiError(400, "InvalidArgument", f"Invalid value for argument '{name}': {why}")


def no_such_property(path: str) -> ApiError:
    """The 404 for a property or sheet that is not there."""
    return ApiError(404, "NoSuchProperty", f"Property '{path}' does not exist")
