// crc32.vh — one step of CRC-32/MPEG-2 (poly 0x04C11DB7, MSB first), as a
// function: crc32.v's module, and the link's CRC registers, which call it
// under their enables
// SPDX-License-Identifier: MIT
//
// crc32_step(crc, data, nbits): the CRC after the nbits bits data[nbits-1:0]
// (1 .. 8, a constant at every call), MSB first: nbits steps of the
// bit-serial shift register, unrolled; synthesis reduces each output bit to
// one XOR of inputs. Called inside a clocked `if (enable)`, the logic is the
// same as a combinational instance's, and a simulator computes it only in
// the clocks the register takes it, not every clock (docs/sim.md, speed).
// The formal proof (tests/formal/link_rx_formal) checks crc32.v, and so this
// function, against a table-driven CRC for every CRC and byte.
function [31:0] crc32_step;
    input [31:0]  cs_crc;
    input [7:0]   cs_data;
    input integer cs_nbits;
    integer cs_j;
    begin
        crc32_step = cs_crc;
        for (cs_j = 7; cs_j >= 0; cs_j = cs_j - 1)
            if (cs_j < cs_nbits)
                crc32_step = {crc32_step[30:0], 1'b0} ^
                             ((crc32_step[31] ^ cs_data[cs_j]) ? 32'h04C11DB7 : 32'h00000000);
    end
endfunction
