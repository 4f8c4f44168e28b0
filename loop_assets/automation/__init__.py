"""The loop runs itself: sensors on the apps, declarative re-runs downstream, schedules and jobs."""
