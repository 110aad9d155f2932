// uart_frac.vh — clocks per bit as a fraction, for uart_rx and uart_tx
// SPDX-License-Identifier: MIT
//
// Clocks per bit as a fraction NUM/DEN in lowest terms: CLK_HZ/BAUD reduced
// by their gcd (48 MHz / 12 Mbaud = 4/1, 50.25 MHz / 12 Mbaud = 67/16). A
// denominator above 256 is rounded to NUM/256 (then reduced): the rate error
// is that rounding, at most 1/512 clock a bit (under 0.05 % at 4 clocks a
// bit, so no rate is refused for it); normally it is 0.
function integer frac_part;             // which: 0 NUM, 1 DEN
    input integer clk_hz, baud, which;
    integer a, b, t, i, n, d, r;
    begin
        a = clk_hz; b = baud;
        for (i = 0; i < 64; i = i + 1)
            if (b != 0) begin t = a % b; a = b; b = t; end
        n = clk_hz / a; d = baud / a;
        if (d > 256) begin
            // n = round(clk_hz * 256 / baud), by long division (no overflow)
            n = clk_hz / baud; r = clk_hz % baud; d = 256;
            for (i = 0; i < 8; i = i + 1) begin
                n = 2 * n; r = 2 * r;
                if (r >= baud) begin n = n + 1; r = r - baud; end
            end
            if (2 * r >= baud) n = n + 1;
            for (i = 0; i < 8; i = i + 1)
                if (n % 2 == 0 && d % 2 == 0) begin n = n / 2; d = d / 2; end
        end
        frac_part = which == 0 ? n : d;
    end
endfunction
