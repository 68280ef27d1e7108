/* Placeholder: being written. */
#include <config.h>
typedef int duban_placeholder_public;
