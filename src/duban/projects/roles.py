"""The role groups of the projects pages, composed once from ``org.roles``."""

from __future__ import annotations

from duban.org.roles import PROJECT_OFFICE_ROLES, UNIT_ROLES, Role

# The ledger, a project's page, the dashboard and the lists (each sees its own scope).
PROJECT_READ_ROLES = (
    PROJECT_OFFICE_ROLES
    | UNIT_ROLES
    | {Role.PROJECT_REPORTER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN}
)
# The monthly dispatch desk, the ledger's import, stage moves, contests set-up.
PROJECT_MANAGE_ROLES = PROJECT_OFFICE_ROLES | {Role.ADMIN}
# The reporter's monthly form.
PROJECT_REPORT_ROLES = PROJECT_OFFICE_ROLES | {Role.PROJECT_REPORTER}
# "My projects" with their warnings: lead officials and the responsible units.
MY_PROJECT_ROLES = UNIT_ROLES | {Role.LEADER}
# Raise a blocker (the ticket kind's registrars among the project's people).
BLOCKER_ROLES = PROJECT_OFFICE_ROLES | {Role.PROJECT_REPORTER, Role.LEADER}
