"""External webhook subscriptions to a unit's events, offered by every unit behind the gateway.

- `tables.py`: subscriptions and the delivery log's attempts (deliveries are the outbox's);
- `router.py` and `service.py`: the administrators' API, mounted by `create_service_app`;
- `dispatch.py`: the relay's side, each subscription reading the outbox in commit order;
- `signing.py`: secrets made, encrypted at rest, and deliveries signed with `standardwebhooks`;
- `targets.py`: where deliveries may go (no server-side request forgery);
- `settings.py` (`FSM_WEBHOOK_*`) and `lifespan.py` (start-up).
"""
