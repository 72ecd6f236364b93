"""One access log across every unit: the gateway asks each unit as the caller and merges.

Each unit answers for its own log with its own rule (services/access_log/), the gateway's
directory log included, read here directly; the gateway only merges the pages by time
(`merge.py`) and exports them as CSV. A unit that cannot answer makes the whole answer a 503:
an access log with a unit silently missing would tell the DPO that nobody looked.
"""
