/* Placeholder: being written. */
#ifndef DUBAN_LADDER_H
#define DUBAN_LADDER_H
#endif
