"""The tools of the public Data360 MCP server (data360-mcp 0.1.2), which the offline server must match by name."""

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
