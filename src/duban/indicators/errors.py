"""The indicators module's domain errors, each with a stable ``code``."""

from __future__ import annotations

from duban.core.errors import Conflict, InvalidInput, NotFound


class EmptyFile(InvalidInput):
    code = "empty_file"


class FileTooLarge(InvalidInput):
    code = "file_too_large"
    status = 413


class NotExcel(InvalidInput):
    code = "not_excel"


class EmptyWorkbook(InvalidInput):
    code = "empty_workbook"


class TooManySheets(InvalidInput):
    code = "too_many_sheets"


class ImportInvalid(InvalidInput):
    """The workbook has cell-level errors; ``details["issues"]`` lists them."""

    code = "import_invalid"


class UnknownGroup(NotFound):
    code = "unknown_group"


class UnknownArea(NotFound):
    code = "unknown_area"


class UnknownIndicator(NotFound):
    code = "unknown_indicator"


class ReleaseNotFound(NotFound):
    code = "release_not_found"


class IllegalStatus(Conflict):
    code = "illegal_status"


class StagedImportMissing(NotFound):
    code = "staged_import_missing"


class UnknownScheme(NotFound):
    code = "unknown_scheme"
