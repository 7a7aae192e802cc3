// What Swift cannot import from ncursesw directly.
// SwiftPM drops pkg-config's -D flags, so wide-character curses is switched on here.
#ifndef PARLOR_CNCURSES_SHIM_H
#define PARLOR_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

// wcwidth is hidden from Swift's Glibc module (it needs _XOPEN_SOURCE); curses uses the same one.
extern int wcwidth(wchar_t c);
static inline int cnc_wcwidth(unsigned int c) { return wcwidth((wchar_t)c); }

// Curses globals are shared mutable state, which Swift 6 refuses to read directly.
static inline WINDOW *cnc_stdscr(void) { return stdscr; }
static inline int cnc_lines(void) { return LINES; }
static inline int cnc_cols(void) { return COLS; }
static inline int cnc_colors(void) { return COLORS; }
static inline int cnc_color_pairs(void) { return COLOR_PAIRS; }

// Attribute macros are built with NCURSES_BITS and do not import.
static inline attr_t cnc_a_normal(void) { return A_NORMAL; }
static inline attr_t cnc_a_bold(void) { return A_BOLD; }
static inline attr_t cnc_a_dim(void) { return A_DIM; }
static inline attr_t cnc_a_reverse(void) { return A_REVERSE; }
static inline attr_t cnc_a_underline(void) { return A_UNDERLINE; }
static inline attr_t cnc_a_italic(void) { return A_ITALIC; }
static inline attr_t cnc_a_blink(void) { return A_BLINK; }

// Reads the colour count from terminfo without taking over the screen (for `parlor doctor`).
// Returns -2 when there is no usable terminfo entry for $TERM.
static inline int cnc_terminfo_colors(void) {
    int err = 0;
    if (setupterm(NULL, -1, &err) != OK) return -2;
    int n = tigetnum("colors");
    del_curterm(cur_term);
    return n;
}
#endif
