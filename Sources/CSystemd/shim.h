// libsystemd: sd-journal for the journald source and the log sink, sd-daemon for sd_notify.
// Swift imports these headers as they are; sd_journal_send and sd_notifyf are variadic, so Swift code uses
// their non-variadic forms sd_journal_sendv and sd_notify.
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
