// Implementation of the CNcurses shim: ncurses helpers, the self-pipe, signal handlers and
// the async-signal-safe terminal restore used when the process crashes.
#define _GNU_SOURCE 1
#include "CNcurses.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

// MARK: ncurses helpers

SCREEN *stet_newterm(void) { return newterm(NULL, stdout, stdin); }

int stet_get_wch(uint32_t *out) {
    wint_t ch = 0;
    int rc = get_wch(&ch);
    *out = (uint32_t)ch;
    return rc;
}

int stet_wcwidth(uint32_t scalar) { return wcwidth((wchar_t)scalar); }

int stet_draw_cell(int row, int column, const uint32_t *scalars, int count, attr_t attributes,
                   short pair) {
    wchar_t text[CCHARW_MAX + 1];
    int n = count < CCHARW_MAX ? count : CCHARW_MAX;
    for (int i = 0; i < n; i++) text[i] = (wchar_t)scalars[i];
    text[n] = L'\0';
    cchar_t cell;
    if (setcchar(&cell, text, attributes, pair, NULL) != OK) return ERR;
    return mvwadd_wch(stdscr, row, column, &cell);
}

const char *stet_tigetstr(const char *capability) {
    char *value = tigetstr(capability);
    if (value == NULL || value == (char *)-1) return NULL;
    return value;
}

int stet_setup_locale(void) {
    setlocale(LC_CTYPE, "");
    const char *codeset = nl_langinfo(CODESET);
    if (codeset != NULL && strcmp(codeset, "UTF-8") == 0) return 1;
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) return 0;
    codeset = nl_langinfo(CODESET);
    return codeset != NULL && strcmp(codeset, "UTF-8") == 0;
}

// MARK: Self-pipe

static int wake_fds[2] = {-1, -1};
static pthread_once_t wake_once = PTHREAD_ONCE_INIT;

static void make_wake_pipe(void) {
    int fds[2];
    if (pipe(fds) != 0) return;
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    wake_fds[0] = fds[0];
    wake_fds[1] = fds[1];
}

int stet_wake_read_fd(void) {
    pthread_once(&wake_once, make_wake_pipe);
    return wake_fds[0];
}

int stet_wake_write_fd(void) {
    pthread_once(&wake_once, make_wake_pipe);
    return wake_fds[1];
}

static void wake_write(char byte) {
    int fd = wake_fds[1];
    if (fd >= 0) {
        ssize_t ignored = write(fd, &byte, 1);  // EAGAIN: a wake is already pending.
        (void)ignored;
    }
}

// MARK: Signals

static atomic_int pending_signals;

static void request_handler(int sig) {
    int saved_errno = errno;
    int bit = sig == SIGHUP ? STET_SIGNAL_HANGUP
            : sig == SIGTERM ? STET_SIGNAL_TERMINATE
                             : STET_SIGNAL_INTERRUPT;
    atomic_fetch_or(&pending_signals, bit);
    wake_write('s');
    errno = saved_errno;
}

int stet_take_signals(void) { return atomic_exchange(&pending_signals, 0); }

static struct sigaction previous_winch;

static void winch_handler(int sig, siginfo_t *info, void *context) {
    int saved_errno = errno;
    if (previous_winch.sa_flags & SA_SIGINFO) {
        if (previous_winch.sa_sigaction != NULL) previous_winch.sa_sigaction(sig, info, context);
    } else if (previous_winch.sa_handler != SIG_DFL && previous_winch.sa_handler != SIG_IGN &&
               previous_winch.sa_handler != NULL) {
        previous_winch.sa_handler(sig);
    }
    atomic_fetch_or(&pending_signals, STET_SIGNAL_WINCH);
    wake_write('r');
    errno = saved_errno;
}

void stet_install_winch_handler(void) {
    stet_wake_write_fd();
    struct sigaction current;
    if (sigaction(SIGWINCH, NULL, &current) != 0) return;
    if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == winch_handler) return;
    previous_winch = current;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = winch_handler;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGWINCH, &action, NULL);
}

// MARK: Crash restore

static struct termios saved_termios[2];
static int have_saved_termios[2];
static char restore_bytes[1024];
static size_t restore_length;
static atomic_int restore_armed;

void stet_arm_restore(const char *bytes) {
    size_t n = strlen(bytes);
    if (n >= sizeof restore_bytes) n = sizeof restore_bytes - 1;
    atomic_store(&restore_armed, 0);
    memcpy(restore_bytes, bytes, n);
    restore_bytes[n] = '\0';
    restore_length = n;
    atomic_store(&restore_armed, 1);
}

void stet_disarm_restore(void) { atomic_store(&restore_armed, 0); }

void stet_emergency_restore(void) {
    if (atomic_exchange(&restore_armed, 0) == 0) return;
    for (int fd = 0; fd < 2; fd++) {
        if (have_saved_termios[fd]) tcsetattr(fd, TCSANOW, &saved_termios[fd]);
    }
    size_t done = 0;
    while (done < restore_length) {
        ssize_t n = write(STDOUT_FILENO, restore_bytes + done, restore_length - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            break;
        }
    }
}

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE};
enum { crash_signal_count = sizeof crash_signals / sizeof crash_signals[0] };
static struct sigaction previous_crash[crash_signal_count];

static void crash_handler(int sig, siginfo_t *info, void *context) {
    stet_emergency_restore();
    // Let the previous handler (Swift's backtracer, which prints the crash report on the
    // now restored terminal) see the signal with its original context, then die by the
    // default action: the signal stays blocked until this handler returns. Calling the
    // previous handler directly (rather than re-raising to it) keeps the process from
    // continuing when the signal was raised, not caused by a fault.
    for (int i = 0; i < crash_signal_count; i++) {
        if (crash_signals[i] != sig) continue;
        const struct sigaction *previous = &previous_crash[i];
        if (previous->sa_flags & SA_SIGINFO) {
            if (previous->sa_sigaction != NULL) previous->sa_sigaction(sig, info, context);
        } else if (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN &&
                   previous->sa_handler != NULL) {
            previous->sa_handler(sig);
        }
    }
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    sigaction(sig, &fallback, NULL);
    raise(sig);
}

static void exit_restore(void) { stet_emergency_restore(); }

static const int request_signals[] = {SIGINT, SIGTERM, SIGHUP};
enum { request_signal_count = sizeof request_signals / sizeof request_signals[0] };
static struct sigaction previous_request[request_signal_count];
static int request_handlers_installed;
static int crash_handlers_installed;

void stet_install_signal_handlers(void) {
    stet_wake_write_fd();
    for (int fd = 0; fd < 2; fd++) {
        have_saved_termios[fd] = tcgetattr(fd, &saved_termios[fd]) == 0;
    }
    if (!request_handlers_installed) {
        request_handlers_installed = 1;
        struct sigaction request;
        memset(&request, 0, sizeof request);
        request.sa_handler = request_handler;
        request.sa_flags = SA_RESTART;
        sigemptyset(&request.sa_mask);
        for (int i = 0; i < request_signal_count; i++) {
            sigaction(request_signals[i], &request, &previous_request[i]);
        }
    }
    if (crash_handlers_installed) return;
    crash_handlers_installed = 1;
    atexit(exit_restore);

    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, NULL);

    struct sigaction crash;
    memset(&crash, 0, sizeof crash);
    crash.sa_sigaction = crash_handler;
    crash.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&crash.sa_mask);
    for (int i = 0; i < crash_signal_count; i++) {
        sigaction(crash_signals[i], &crash, &previous_crash[i]);
    }
}

void stet_uninstall_request_handlers(void) {
    if (!request_handlers_installed) return;
    request_handlers_installed = 0;
    for (int i = 0; i < request_signal_count; i++) {
        sigaction(request_signals[i], &previous_request[i], NULL);
    }
}
