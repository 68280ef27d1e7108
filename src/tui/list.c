/* Moving through a list: the one movement switch every list view uses
 * (tig's move_view), so that j, k, pages, half pages, g and G mean the
 * same in the conflicts, sync log, overdue, dashboard and help views. */
#include <config.h>

#include "tui.h"

int tui_list_set(int *cur, int n, int to)
{
	if (to >= n)
		to = n - 1;
	if (to < 0)
		to = 0;
	*cur = to;
	return TUI_HANDLED | TUI_REDRAW;
}

int tui_list_move(int *cur, int n, int page, enum tui_action a)
{
	if (page < 1)
		page = 1;
	int half = page / 2 > 0 ? page / 2 : 1;
	switch (a) {
	case TUI_ACT_MOVE_DOWN: return tui_list_set(cur, n, *cur + 1);
	case TUI_ACT_MOVE_UP: return tui_list_set(cur, n, *cur - 1);
	case TUI_ACT_PAGE_DOWN: return tui_list_set(cur, n, *cur + page);
	case TUI_ACT_PAGE_UP: return tui_list_set(cur, n, *cur - page);
	case TUI_ACT_HALF_DOWN: return tui_list_set(cur, n, *cur + half);
	case TUI_ACT_HALF_UP: return tui_list_set(cur, n, *cur - half);
	case TUI_ACT_FIRST: return tui_list_set(cur, n, 0);
	case TUI_ACT_LAST: return tui_list_set(cur, n, n - 1);
	default: return TUI_IGNORED;
	}
}
