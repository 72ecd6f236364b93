"""What the directory's tables hold, for the records of processing (services/processing/)."""

from gateway.directory.models import Base

METADATA = Base.metadata
TABLE_CATEGORIES: dict[str, str] = {
    "practitioner": "practitioner_directory",
    "practitioner_identity": "practitioner_directory",
    "team": "practitioner_directory",
    "team_membership": "practitioner_directory",
    "discipline": "practitioner_directory",
    "scim_client": "practitioner_directory",
    "scim_user": "practitioner_directory",
    "scim_group": "practitioner_directory",
}
