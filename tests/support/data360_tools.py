"""The tools of the public Data360 MCP server (data360-mcp 0.1.2), which the offline server must match by name, and
the arguments tests send them most."""

DATA360_TOOLS = frozenset(
    {
        "data360_search_indicators",
        "data360_get_metadata",
        "data360_get_data",
        "data360_get_disaggregation",
        "data360_find_codelist_value",
        "data360_list_indicators",
        "data360_get_data_api_url",
        "data360_get_viz_spec",
        "data360_get_supported_chart_types",
    }
)

POPULATION = "WB_WDI_SP_POP_TOTL"
KENYA_DATA = {
    "database_id": "WB_WDI",
    "indicator_id": POPULATION,
    "disaggregation_filters": {"REF_AREA": "KEN"},
    "start_year": 2000,
    "end_year": 2024,
    "limit": 100,
}
