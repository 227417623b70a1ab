"""The report model (pure data) and its sealing; built by ``modernizer.run.assemble``."""

from modernizer.report.model import (SCHEMA_VERSION, AgentStats, AppliedSuppression, Architecture, BaselineCounts,
                                     BaselineInfo, BaselineStatus, Candidates, LLMInfo, Modules, ModuleSummary, RepoInfo,
                                     Report, ReportCandidate, ReportFinding, ReportPlanItem, RoleStat, Summary)
from modernizer.report.seal import seal

__all__ = ["SCHEMA_VERSION", "AgentStats", "AppliedSuppression", "Architecture", "BaselineCounts", "BaselineInfo",
           "BaselineStatus", "Candidates", "LLMInfo", "ReportCandidate", "ModuleSummary", "Modules", "RepoInfo", "Report", "ReportFinding", "ReportPlanItem",
           "RoleStat", "Summary", "seal"]
