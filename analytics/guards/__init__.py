"""Guard scheduling: a prize-collecting orienteering problem with time windows (analytics-methods §4).

``planner.plan_day`` makes a day's recommended plan; ``checker.check_plan`` verifies every constraint of any plan.
"""
