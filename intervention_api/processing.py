"""What the intervention unit's tables hold, for the records of processing (services/processing/).

Its kernel and case projection tables are categorised by the kernel; name each table of its
own here (`workflow_record` for what it records about a case).
"""

from intervention_api.models import Base

METADATA = Base.metadata
TABLE_CATEGORIES: dict[str, str] = {}
