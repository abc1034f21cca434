-- Crons run forever (numbercall -1) until 18.0 removes the field.
UPDATE ir_cron SET numbercall = -1, doall = false;
