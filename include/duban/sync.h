/* Sync with duband (doc/PROTOCOL.md): the account, the HTTPS transport and,
 * later, the engine.  Being written. */
#ifndef DUBAN_SYNC_H
#define DUBAN_SYNC_H
#endif
