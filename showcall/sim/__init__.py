"""Provides device simulators for rehearsal: each listens on loopback, speaks its device's protocol, keeps
its state and reports what it received. `showcall.sim.rig.start_simulators(plan)` starts one per device."""
