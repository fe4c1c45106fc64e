/** A worker or `seal train` stopped on a signal after writing a resume point: run it again to continue (EX_TEMPFAIL). */
export const EXIT_RESUMABLE = 75;
