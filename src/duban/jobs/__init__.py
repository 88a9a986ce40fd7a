"""Scheduled jobs: commands run by cron or a timer (``duban sla tick``), later a job worker.

The top of the layering: a job may call any app's services.
"""
