#!/bin/sh
# tests/tui/t_dashboard_bars.sh in zh_CN.UTF-8: the same checks on the Chinese screens.
TUI_LOCALE=zh_CN.UTF-8
export TUI_LOCALE
exec "$(dirname "$0")/../t_dashboard_bars.sh" "$@"
