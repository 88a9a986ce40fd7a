"""Who does what in the enterprise service, from the groups of ``org.roles``.

(``org.roles`` defines ``SERVICE_OFFICER_ROLES``; the module's combinations of it with
the district-wide roles are kept here, in one place for the module's pages, API and rules.)
"""

from __future__ import annotations

from duban.org.roles import (
    DISTRICT_WIDE_ROLES,
    PERSONAL_DATA_ROLES,
    SERVICE_OFFICER_ROLES,
    UNIT_ROLES,
)

# Register enterprises, import the ledger: officers and the district-wide roles.
REGISTRY_ROLES = SERVICE_OFFICER_ROLES | DISTRICT_WIDE_ROLES
# Read the ledger, the enterprise pages, the reports and the dashboard.
STAFF_ROLES = SERVICE_OFFICER_ROLES | DISTRICT_WIDE_ROLES
# The departments that run proxy steps (and handle the problem tickets in their inbox).
STEP_ROLES = UNIT_ROLES
# See contacts' names and mobiles unmasked: the callers' rule, plus the officer who serves.
CONTACT_ROLES = PERSONAL_DATA_ROLES
