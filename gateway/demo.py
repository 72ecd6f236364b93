"""The gateway's demo seeder, where `fsm seed --demo` looks for it (`<package>.demo`)."""

from gateway.directory.demo import DEMO_SUBJECTS, seed_demo

__all__ = ["DEMO_SUBJECTS", "seed_demo"]
