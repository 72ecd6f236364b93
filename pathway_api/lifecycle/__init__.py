"""The early help lifecycle: identify, consent, assess, plan, do, review, close; consent; TAF."""
