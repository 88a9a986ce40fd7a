"""The projects module's domain errors (each a stable ``code`` and a Chinese message)."""

from __future__ import annotations

from duban.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class ProjectNotFound(NotFound):
    code = "project_not_found"


class ProjectForbidden(PermissionDenied):
    code = "project_forbidden"


class InvalidProject(InvalidInput):
    code = "invalid_project"


class DuplicateCode(Conflict):
    code = "duplicate_project_code"


class StageSkipped(InvalidInput):
    code = "stage_skipped"


class StageBackwards(InvalidInput):
    code = "stage_backwards"


class ReportWindowNotOpen(InvalidInput):
    code = "report_window_not_open"


class ReportWindowClosed(InvalidInput):
    code = "report_window_closed"


class CumulativeBackwards(InvalidInput):
    code = "cumulative_backwards"


class ReportState(Conflict):
    code = "report_state"


class ImportRejected(InvalidInput):
    code = "import_rejected"


class ContestClosed(Conflict):
    code = "contest_closed"


class AlreadyScored(Conflict):
    code = "already_scored"


class NotAJudge(PermissionDenied):
    code = "not_a_judge"


class InvalidScore(InvalidInput):
    code = "invalid_score"


class ContestNotFound(NotFound):
    code = "contest_not_found"


class InvalidContest(InvalidInput):
    code = "invalid_contest"


class ContestWeights(InvalidInput):
    """The criteria's weights do not add up to 100 (the message gives the sum)."""

    code = "contest_weights"


class ContestScoringStarted(Conflict):
    code = "contest_scoring_started"


class ReportNotFound(NotFound):
    code = "report_not_found"


class InvalidPhoto(InvalidInput):
    code = "invalid_photo"


class PhotoTooLarge(InvalidInput):
    code = "photo_too_large"
    status = 413


class TooManyPhotos(InvalidInput):
    code = "too_many_photos"


class IdempotencyMismatch(InvalidInput):
    code = "idempotency_mismatch"
