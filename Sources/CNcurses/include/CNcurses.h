// C shim over ncursesw for StetTerminal.
//
// Swift cannot use ncurses' function-like macros or (under strict concurrency) its global
// variables, and a crash-time terminal restore must be async-signal-safe C. This header
// exposes small accessors for both, plus the signal plumbing StetTerminal relies on.
#ifndef STET_CNCURSES_H
#define STET_CNCURSES_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#if __has_include(<ncursesw/curses.h>)
#include <ncursesw/curses.h>
#else
#include <curses.h>
#endif
#include <stdint.h>

// MARK: ncurses globals and macros

static inline WINDOW *stet_stdscr(void) { return stdscr; }
static inline int stet_lines(void) { return LINES; }
static inline int stet_cols(void) { return COLS; }
static inline int stet_colors(void) { return COLORS; }
static inline int stet_color_pairs(void) { return COLOR_PAIRS; }
static inline int stet_key_code_yes(void) { return KEY_CODE_YES; }
static inline int stet_key_resize(void) { return KEY_RESIZE; }
static inline int stet_key_mouse(void) { return KEY_MOUSE; }
static inline int stet_key_max(void) { return KEY_MAX; }

/// ncurses attribute bits for the given emphasis flags (A_BOLD, A_UNDERLINE, A_REVERSE, A_DIM).
static inline attr_t stet_attributes(int bold, int underline, int reverse, int dim) {
    attr_t a = A_NORMAL;
    if (bold) a |= A_BOLD;
    if (underline) a |= A_UNDERLINE;
    if (reverse) a |= A_REVERSE;
    if (dim) a |= A_DIM;
    return a;
}

/// `newterm(NULL, stdout, stdin)`: NULL (instead of exiting, as `initscr` does) when the
/// terminal type is unknown.
SCREEN *stet_newterm(void);

/// `get_wch` into a fixed-width integer. Returns OK, KEY_CODE_YES or ERR.
int stet_get_wch(uint32_t *out);

/// The C library's column width of a wide character in the current locale (what ncurses
/// itself assumes): -1 for non-printable, 0 for combining marks.
int stet_wcwidth(uint32_t scalar);

/// Draws one ncurses cell at (row, column): `scalars[0]` is the spacing base and the rest
/// (at most 4) are zero-width marks. Returns OK or ERR.
int stet_draw_cell(int row, int column, const uint32_t *scalars, int count, attr_t attributes,
                   short pair);

/// A terminfo string capability, or NULL when absent or not a string.
const char *stet_tigetstr(const char *capability);

/// Sets `LC_CTYPE` (only: number formatting stays "C") from the environment, falling back
/// to C.UTF-8 when that is not UTF-8, which ncursesw needs for wide characters. Returns 1
/// when the resulting codeset is UTF-8.
int stet_setup_locale(void);

// MARK: Self-pipe and signals (shim.c)

/// Both ends of the process-wide, non-blocking, close-on-exec self-pipe (created once,
/// thread-safely, on first use). -1 if it could not be created.
int stet_wake_read_fd(void);
int stet_wake_write_fd(void);

/// Bits returned by `stet_take_signals`.
enum {
    STET_SIGNAL_HANGUP = 1,
    STET_SIGNAL_TERMINATE = 2,
    STET_SIGNAL_INTERRUPT = 4,
    STET_SIGNAL_WINCH = 8,
};

/// Saves the termios of stdin and stdout (for the crash restore), ignores SIGPIPE, and
/// installs handlers for SIGINT/SIGTERM/SIGHUP (set a flag, write the self-pipe) and for
/// SIGSEGV/SIGBUS/SIGILL/SIGTRAP/SIGABRT/SIGFPE (restore the terminal if armed, let the
/// previous handler, e.g. Swift's backtracer, report, then die by the default action).
/// Call before `newterm`. Idempotent.
void stet_install_signal_handlers(void);

/// Gives SIGINT/SIGTERM/SIGHUP back their dispositions from before
/// `stet_install_signal_handlers` (once the terminal is restored, Ctrl-C interrupts again).
/// The crash handlers stay; disarmed, they only pass the signal on.
void stet_uninstall_request_handlers(void);

/// Installs the SIGWINCH handler, chaining to the one ncurses installed in `newterm`, so a
/// resize also wakes `poll`. Call after `newterm`.
void stet_install_winch_handler(void);

/// Atomically takes and clears the pending STET_SIGNAL_* bits.
int stet_take_signals(void);

/// Arms the crash restore: `bytes` (copied, at most 1023 bytes) are written to stdout and the
/// saved termios reinstated if the process crashes or exits while armed.
void stet_arm_restore(const char *bytes);

/// Disarms the crash restore (after a normal `endwin`).
void stet_disarm_restore(void);

/// What the crash handlers do, callable directly: if armed, disarm, reinstate the saved
/// termios and write the armed bytes. Async-signal-safe.
void stet_emergency_restore(void);

#endif
