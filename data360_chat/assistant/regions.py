"""World Bank aggregate areas (regions, income and lending groups): not countries, so left out of rankings."""

from __future__ import annotations

# fmt: off
WORLD_BANK_AGGREGATES = frozenset({
    "AFE", "AFW", "ARB", "CEB", "CSS", "EAP", "EAR", "EAS", "ECA", "ECS", "EMU", "EUU", "FCS", "HIC", "HPC", "IBD",
    "IBT", "IDA", "IDB", "IDX", "INX", "LAC", "LCN", "LDC", "LIC", "LMC", "LMY", "LTE", "MEA", "MIC", "MNA", "NAC",
    "OED", "OSS", "PRE", "PSS", "PST", "SAS", "SSA", "SSF", "SST", "TEA", "TEC", "TLA", "TMN", "TSA", "TSS", "UMC",
    "WLD",
})
# fmt: on


def is_aggregate(code: str) -> bool:
    """True for World Bank aggregate codes such as `WLD`, `SSF` or `HIC`."""
    return code.upper() in WORLD_BANK_AGGREGATES
