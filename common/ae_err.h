// ae_err.h - status codes and the one error-reporting macro shared by every room of aesim.
//
// Library functions (models/, channels/, sim/ except sim/main.c) never print and never exit:
// they return one of the codes below and record a message with AE_ERROR. The command line
// (sim/main.c) reads the message with ae_err_message() and turns the code into an exit status.
#ifndef AESIM_AE_ERR_H
#define AESIM_AE_ERR_H

enum ae_status {
    AE_OK = 0,       // success
    AE_EINVAL = 1,   // an argument or a value is out of its documented range (user input)
    AE_ENOMEM = 2,   // an allocation failed, or would exceed the configured memory bound
    AE_EBADLEN = 3,  // a batch larger than the workspace was created for
    AE_EIO = 4,      // reading or writing a file failed (the run itself failed)
    AE_ECONFIG = 5,  // a configuration file is malformed or holds a bad key or value (user input)
    AE_ERUNTIME = 6, // a numerical failure during a run (NaN or Inf in training, a library error)
    AE_EINTR = 7     // interrupted by a signal; what was finished has been saved
};

// Record a message for the current thread and return `code`. `file` and `line` name the
// reporting source location (kept for debugging; the message itself is what users see).
// Set a breakpoint on this function to stop at every failure.
int ae_err_set(int code, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

// Report an error: `return AE_ERROR(AE_EINVAL, "n = %zu, expected n >= 1", n);`
#define AE_ERROR(code, ...) ae_err_set((code), __FILE__, __LINE__, __VA_ARGS__)

// The last message recorded on this thread by AE_ERROR ("" if none). Valid until the next AE_ERROR.
const char *ae_err_message(void);

// The code of the last AE_ERROR (or ae_err_forward) on this thread: AE_OK if none was recorded or
// ae_err_clear was called since. A constructor that returns NULL has recorded its reason this way, so
// the caller reports ae_err_code() (through ae_err_failed below) rather than guessing (AE_EINVAL for the
// user's input, AE_ENOMEM for an allocation, ...).
int ae_err_code(void);

// The code a caller reports after a call failed (a constructor returned NULL): ae_err_code(), never
// AE_OK; should nothing have been recorded, AE_ERUNTIME with a message saying so.
static inline int ae_err_failed(void)
{
    const int code = ae_err_code();
    if (code != AE_OK)
        return code;
    ae_err_set(AE_ERUNTIME, __FILE__, __LINE__, "a step failed without recording why");
    return AE_ERUNTIME;
}

// Source location "file:line" of the last AE_ERROR on this thread ("" if none).
const char *ae_err_where(void);

// Forget the last message and code of this thread.
void ae_err_clear(void);

// Copy another thread's recorded error into this thread's slot (used when a worker thread fails
// and the calling thread reports): ae_err_code() becomes `code`. Returns `code`.
int ae_err_forward(int code, const char *message);

// A short name for a status code, e.g. "invalid argument".
const char *ae_err_name(int code);

#endif
