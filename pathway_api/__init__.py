"""The family support pathway: levels of need, early help plan-do-review, step up and step down."""
