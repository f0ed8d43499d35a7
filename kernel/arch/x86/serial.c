/* COM1 (0x3f8) 16550 UART: the console device (console_write) the log
 * (common/console.c) and guest console output go to, and console input. */
#include "lib.h"
#include "arch.h"
#include "console.h"
#include "spinlock.h"

#define COM1 0x3f8

void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* DLAB */
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0xC7); /* FIFO */
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
        if (s[i] == '\n') serial_putc('\r');
        serial_putc(s[i]);
    }
}

/* ---- console input: COM1 receive interrupts (IRQ 4 through the 8259, vector
 * 0x24) fill a ring that the console-owning domain drains with CONSOLEIO_read. */
#define RX_SIZE 4096
static char rx_ring[RX_SIZE];
static volatile unsigned rx_prod, rx_cons;
static spinlock_t rx_lock = SPINLOCK_INIT;

void serial_enable_rx(void)
{
    outb(COM1 + 1, 0x01);               /* IER: received data available */
    outb(COM1 + 4, 0x0b);               /* MCR: DTR, RTS, OUT2 (IRQ enable) */
    outb(0x21, inb(0x21) & ~(1u << 4)); /* unmask IRQ 4 on the master PIC */
}

/* Returns the number of bytes received. */
unsigned serial_rx_interrupt(void)
{
    unsigned n = 0;
    spin_lock(&rx_lock);
    while (inb(COM1 + 5) & 1) {
        char c = (char)inb(COM1);
        if (rx_prod - rx_cons < RX_SIZE) {
            rx_ring[rx_prod % RX_SIZE] = c;
            rx_prod++;
            n++;
        }
    }
    spin_unlock(&rx_lock);
    outb(0x20, 0x20); /* EOI to the 8259 */
    return n;
}

size_t serial_rx_read(char *buf, size_t max)
{
    size_t n = 0;
    spin_lock(&rx_lock);
    while (n < max && rx_cons != rx_prod)
        buf[n++] = rx_ring[rx_cons++ % RX_SIZE];
    spin_unlock(&rx_lock);
    return n;
}
