"""The programme's change feed: enrolments, sessions and parenting assessments in commit order."""
