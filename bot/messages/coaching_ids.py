"""Action ids the coach's buttons share across messages (the nudge and a checkpoint's step back both offer a
prospecting block); here so that coaching.py and obstacles.py can both use them without importing each other."""

PLAN_BLOCK = "coach_plan_block"
