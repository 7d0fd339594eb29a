"""Writers of the data plan for people outside the app: the long CSV tables (and, next,
the workbook). Every writer applies disclosure control first (rehabdash.plan.disclosure).
"""
