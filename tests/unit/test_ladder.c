#include <config.h>
#include <stdio.h>
int main(void)
{
	puts("1..0 # SKIP being written");
	return 0;
}
