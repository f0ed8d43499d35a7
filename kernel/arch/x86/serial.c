/* COM1 (0x3f8) 16550 UART: the hypervisor log and guest console output. */
#include "lib.h"
#include "arch.h"
#include "console.h"
#include "spinlock.h"

#define COM1 0x3f8

static spinlock_t log_lock = SPINLOCK_INIT;
bool debug_log;

void serial_init(void)
{
    outb(COM1 + 1, 0x00);   /* no interrupts */
    outb(COM1 + 3, 0x80);   /* DLAB */
    outb(COM1 + 0, 0x01);   /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);   /* 8N1 */
    outb(COM1 + 2, 0xC7);   /* FIFO */
    outb(COM1 + 4, 0x03);
}

static void serial_putc(char c)
{
    for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
        pause();
    outb(COM1, (uint8_t)c);
}

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}

void printk(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 1)
        n = sizeof(buf) - 1;
    spin_lock(&log_lock);
    console_write(buf, (size_t)n);
    spin_unlock(&log_lock);
}

_Noreturn void panic(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write("tessera: PANIC: ", 16);
    console_write(buf, strlen(buf));
    console_write("\n", 1);
    for (;;)
        __asm__ volatile("cli; hlt");
}
