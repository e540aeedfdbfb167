#ifndef NETGPT_CSYSTEMD_SHIM_H
#define NETGPT_CSYSTEMD_SHIM_H

// libsystemd's public headers plus the few helpers Swift cannot express conveniently
// (sockaddr_un construction for abstract sockets). The Swift wrapper in NetGPTSystemd owns
// errno handling and EINTR retries; these helpers only return -1 with errno set, like syscalls.

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
// Without this, sd-journal.h turns sd_journal_sendv into a macro that adds CODE_FILE/CODE_LINE/
// CODE_FUNC of this header; NetGPT sends the caller's location itself.
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

/// Fills `address` for the notification socket `path` (a file system path, or an abstract name
/// written with a leading '@') and returns the address length, or -1 with errno = EINVAL /
/// ENAMETOOLONG.
static inline int netgpt_unix_address(const char *path, size_t path_length, struct sockaddr_un *address,
                                      socklen_t *address_length) {
    if (path_length == 0 || (path[0] != '/' && path[0] != '@')) {
        errno = EINVAL;
        return -1;
    }
    if (path_length > sizeof(address->sun_path) - (path[0] == '/' ? 1 : 0)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memset(address, 0, sizeof(*address));
    address->sun_family = AF_UNIX;
    memcpy(address->sun_path, path, path_length);
    if (path[0] == '@') {
        address->sun_path[0] = '\0';  // abstract namespace: no trailing NUL counted
        *address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_length);
    } else {
        *address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_length + 1);
    }
    return 0;
}

/// sendto(2) of one datagram to the AF_UNIX socket named by `path`; -1 with errno on failure.
static inline ssize_t netgpt_unix_sendto(int fd, const char *path, size_t path_length, const void *message,
                                         size_t message_length) {
    struct sockaddr_un address;
    socklen_t address_length = 0;
    if (netgpt_unix_address(path, path_length, &address, &address_length) < 0) {
        return -1;
    }
    return sendto(fd, message, message_length, MSG_NOSIGNAL, (const struct sockaddr *)&address, address_length);
}

/// bind(2) an AF_UNIX socket to `path` (file system or '@'-prefixed abstract name); -1 with errno.
static inline int netgpt_unix_bind(int fd, const char *path, size_t path_length) {
    struct sockaddr_un address;
    socklen_t address_length = 0;
    if (netgpt_unix_address(path, path_length, &address, &address_length) < 0) {
        return -1;
    }
    return bind(fd, (const struct sockaddr *)&address, address_length);
}

/// connect(2) an AF_UNIX socket to `path`; -1 with errno (ECONNREFUSED when nobody listens).
static inline int netgpt_unix_connect(int fd, const char *path, size_t path_length) {
    struct sockaddr_un address;
    socklen_t address_length = 0;
    if (netgpt_unix_address(path, path_length, &address, &address_length) < 0) {
        return -1;
    }
    return connect(fd, (const struct sockaddr *)&address, address_length);
}

/// sd_journal_sendv(3): libsystemd returns a negative errno; this keeps that convention.
static inline int netgpt_journal_sendv(const struct iovec *fields, int count) {
    return sd_journal_sendv(fields, count);
}

#endif
