"""HTTP endpoints of the practitioner directory (under `/directory`), and `/me`.

One module per resource; `directory_routers` lists the directory's in the order they are
documented.
"""

from __future__ import annotations

from gateway.directory.router import disciplines, memberships, practitioners, teams
from gateway.directory.router.me import me_router

directory_routers = (disciplines.router, teams.router, practitioners.router, memberships.router)

__all__ = ["directory_routers", "me_router"]
