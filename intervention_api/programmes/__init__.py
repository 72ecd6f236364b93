"""The programme catalogue: versioned programmes of modules, aims, suggested sessions and tools.

The module names of the Eight Module programme are not publicly verified, so the programme is
configuration a council loads, never code: administrators upload a catalogue file (YAML or
JSON); each upload of a programme's code is its next version; enrolments name the version they
started on and keep it whatever is loaded later.
"""
