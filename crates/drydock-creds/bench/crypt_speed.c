/* Reference speeds: libxcrypt's crypt_r(3) (what mkpasswd, passwd and login use) on the same
 * hashes as examples/crack_speed.rs, one thread. Built and run by crypt_speed.sh. */
#include <crypt.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    static const char *h[][2] = {
        {"DES crypt", "1DD2oUwBzywy6"},
        {"MD5-crypt", "$1$WlvDi/Ea$xHdRB8UGtQyvlR2ObirvD0"},
        {"SHA-256-crypt rounds=5000", "$5$4cU2isadbDJFKvQm$uqnKigK3kLbHLl5DwM3NdgyMd9INvdEyNUo4J5JqNN2"},
        {"SHA-512-crypt rounds=5000", "$6$75XEiDRUnQq.dr7u$pjlFhYZMVKSbEuMes.7lZxcmC9STMozwZhfIoVQa1dZcNETMPhLSXVXv0sewq/J4Ld67/KGScc1Wgdz7b7yeR0"},
        {"bcrypt cost 5", "$2b$05$VeUUhEYumuOZuOBazuHq4uKL4oTuvXpZV0CEMYy3Q39GydmAeXC5W"},
        {"bcrypt cost 10", "$2b$10$/NOiLTPXuO.enmkm/jliY./el6QBGrf4vmOALTAivwS7Rgx4qR71C"},
        {"yescrypt j9T (Debian default)", "$y$j9T$oocURyceKXoY9Y99rYvwX.$AM5k9PXvqilxqQLxzKIXn5JNpcKiqjREK0tSrCI8qHA"},
        {"gost-yescrypt j9T", "$gy$j9T$PrpIVJwZZIS7iplRbznx2.$7ce9SH8/2pf7WUspWSBUAYYwWSfodAXSVAo.FrtDWZB"},
    };
    struct crypt_data data;
    printf("%-32s %14s\n", "scheme", "libxcrypt 1T");
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
        memset(&data, 0, sizeof data);
        double start = now();
        long n = 0;
        while (now() - start < secs) {
            crypt_r("guess", h[i][1], &data);
            n++;
        }
        printf("%-32s %14.1f\n", h[i][0], n / (now() - start));
    }
    return 0;
}
