/*
 * The raw work of one registry read with its size check, in C: fstat(2) on a kept-open file and a
 * copy of one slot's bytes (slot header and 1.3 record, 7,672 bytes), each 10^6 times.
 *   gcc -O2 -o /tmp/fstat_cost benchmarks/scripts/fstat_cost.c && /tmp/fstat_cost ANY_FILE
 * Compared with ScanBenchmark.readOneSlot in docs/benchmarks.md.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
int main(int argc,char**argv){int fd=open(argv[1],O_RDONLY);struct stat st;static char src[7680],dst[7680];
long n=1000000;double t0=now();for(long i=0;i<n;i++){fstat(fd,&st);}double t1=now();
for(long i=0;i<n;i++){memcpy(dst,src,7672);__asm__ volatile(""::"r"(dst):"memory");}double t2=now();
printf("fstat %.0f ns/op, memcpy 7672 B %.0f ns/op\n",(t1-t0)/n*1e9,(t2-t1)/n*1e9);return 0;}
