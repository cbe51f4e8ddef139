"""Error reports (the mail AdminEmailHandler sends, the 500 page's report) without WB tokens.

Django's SafeExceptionReporterFilter, while DEBUG is off, hides the local variables named
by `@sensitive_variables` (in the marked function and in everything it calls) and the POST
fields named by `@sensitive_post_parameters`. The token desk marks its own functions so;
this filter covers the frames that cannot be marked:

- every local variable of a frame in the WB client stack (`wbapi`, which stays free of
  Django, and `requests`, `urllib3`, `http.client` below it, which hold the Authorization
  header);
- in any other frame, a value whose text holds something shaped like a token (a JWT, or a
  long run of base64url characters), e.g. Django's own form code while it cleans a pasted
  token;
- the `raw_token` POST field, and any POST value shaped like a token, on every view.

And whatever is left shaped like a token in the finished report is hidden by
TokenSafeExceptionReporter: the address of the request, its headers (a referer, the raw
query string), an exception's message.
"""

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from .redaction import hide_tokens, looks_like_token

# Modules whose frames may hold a token under any name.
OPAQUE_MODULES = ("wbapi", "requests", "urllib3", "http.client")
TOKEN_FIELDS = ("raw_token",)


def in_opaque_module(module: str) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in OPAQUE_MODULES)


class TokenSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame) -> list:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        if not self.is_active(request):
            return variables
        if in_opaque_module(tb_frame.f_globals.get("__name__", "")):
            return [(name, self.cleansed_substitute) for name, _value in variables]
        return [
            (name, self.cleansed_substitute if looks_like_token(value) else value)
            for name, value in variables
        ]

    def get_cleansed_multivaluedict(self, request: HttpRequest, multivaluedict: MultiValueDict):
        cleansed = super().get_cleansed_multivaluedict(request, multivaluedict)
        return self._without_tokens(request, cleansed)

    def get_post_parameters(self, request: HttpRequest | None):
        parameters = super().get_post_parameters(request)
        return self._without_tokens(request, parameters) if request is not None else parameters

    def _without_tokens(self, request: HttpRequest, parameters):
        if not self.is_active(request):
            return parameters
        sensitive = [
            key
            for key, values in parameters.lists()
            if key in TOKEN_FIELDS or any(looks_like_token(value) for value in values)
        ]
        if not sensitive:
            return parameters
        parameters = parameters.copy()
        for key in sensitive:
            parameters[key] = self.cleansed_substitute
        return parameters


class TokenSafeExceptionReporter(ExceptionReporter):
    def get_traceback_text(self) -> str:
        return hide_tokens(super().get_traceback_text())

    def get_traceback_html(self) -> str:
        return hide_tokens(super().get_traceback_html())
