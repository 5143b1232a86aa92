package io.vmpulse.agent.sample;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/** libc calls that tests use to build real mounts (root only). */
interface TestLibc extends Library {

    TestLibc C = Native.load("c", TestLibc.class);
    int O_RDWR = 2;
    int MNT_DETACH = 2;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    NativeLong read(int fd, byte[] buf, NativeLong count) throws LastErrorException;

    NativeLong write(int fd, byte[] buf, NativeLong count) throws LastErrorException;

    int mount(String source, String target, String type, NativeLong flags, String data)
            throws LastErrorException;

    int umount2(String target, int flags) throws LastErrorException;
}
