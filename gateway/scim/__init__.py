"""SCIM 2.0 provisioning of practitioners and teams (RFC 7643/7644) at /scim/v2."""
